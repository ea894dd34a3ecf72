"""fer_lib.data.synth"""
