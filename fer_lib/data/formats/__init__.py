"""fer_lib.data.formats"""
