"""Static memory planning: every activation and scratch buffer gets an offset in one arena."""
from aot.planner.plan import Buffer, Plan, plan_memory  # noqa: F401
from aot.planner.search import plan_graph, reordered  # noqa: F401
