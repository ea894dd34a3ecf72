"""fer_lib.data"""
