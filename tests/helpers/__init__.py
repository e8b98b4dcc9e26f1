"""Code the tests and the benchmarks share that is not part of the installed packages.

setup.py ships agan, exposure, export and mobile; these modules (random programs, the float16
model of `mediump`, the OpenGL ES compile check, predictor parity) serve only tests and
`benchmarks/`, so a user's installed package does not carry them as API.
"""
