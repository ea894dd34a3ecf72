"""fer_lib.nn"""
