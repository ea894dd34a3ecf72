"""fer_lib.models"""
