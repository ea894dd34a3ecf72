"""fer_lib.engine"""
