"""fer_lib.methods"""
