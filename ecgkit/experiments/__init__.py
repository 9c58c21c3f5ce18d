"""The course's benchmarks beside the teaching core: PTB-XL and MIT-BIH runs and their results.

``from ecgkit.experiments import ptbxl, mitbih``; ``python -m ecgkit.bench`` is their
command line.
"""
