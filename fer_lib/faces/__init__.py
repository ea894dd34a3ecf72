"""Real-face geometry with dlib, run offline (in processes) to produce aligned frames and landmark arrays.

models (locate dlib's model files), detect (HOG / MMOD), landmarks (68 points, named regions),
procrustes (similarity fit), align (five-point template, crop), crops (mouth-eye and box crops),
descriptor (HOG mouth-eye descriptor for MaskFN), swap (FaceSwap), swap_oracle (FaceSwap vs the
synthetic oracle), video (video / frame folder -> aligned face frames + index; CLI), exports (its output as
the loaders' VoxCeleb index and DFEW-style annotation file).
The 68-point model was trained on iBUG 300-W (non-commercial terms).
"""
