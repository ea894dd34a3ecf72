"""fer_lib.metrics"""
