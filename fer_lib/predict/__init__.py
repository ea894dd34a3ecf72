"""``fer-book predict``: per-frame expression prediction on a user's videos.

classifier (a model with its classes, crop and input scaling: the FER2013 default, or a checkpoint written by
``save_classifier``), frames (video -> detect, align, classify, optional vote -> one row per frame), cli (the
subcommand's options and entry point).
"""
