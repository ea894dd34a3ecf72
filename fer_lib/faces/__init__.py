"""fer_lib.faces"""
