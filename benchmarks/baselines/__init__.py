"""The benchmark anchors of issue 15: one simple failover, written twice.

:mod:`.failover` states the model and its parameters; :mod:`.naive_simpy` simulates it
the way a competent engineer would write it in SimPy without optimising, one trial at
a time; :mod:`.numpy_vectorised` computes the same model for all trials at once. Both
expose ``run(trials, seed) -> np.ndarray`` of RTOs [s]; ``benchmarks/bench_engines.py``
times them beside drsim's engines, and ``tests/test_baselines.py`` checks that the two
agree in distribution, so the anchor measures the same work twice.
"""
