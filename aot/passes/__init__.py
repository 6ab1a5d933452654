"""Graph -> Graph rewrites. Each module holds one pass; ``pipeline.optimize`` runs the default pipeline
(the compiler calls it once, for every frontend: aot.driver.compiler.prepare). Every pass keeps the
graph's meaning: the NumPy reference gives the same outputs before and after (bit for bit,
except fold_affine's float rounding and qdq's int8 kernels where QDQ said so; see
tests/passes)."""
