"""fer_lib.plots"""
