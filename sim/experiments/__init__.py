"""Experiment designs and samplers, the batch driver, executors (local, Dask, any concurrent.futures executor), the result store."""
