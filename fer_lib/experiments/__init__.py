"""fer_lib.experiments"""
