"""fer_lib.losses"""
