"""fer_lib.augment"""
