"""fer_lib.papers"""
