"""Serial RPC with a board (or host executable) running a compiled model. See docs/rpc.md."""
from aot.rpc.client import RpcClient
from aot.rpc.errors import RpcClosed, RpcCrcError, RpcError, RpcFrameError, RpcRemoteError, RpcTimeout

__all__ = ["RpcClient", "RpcError", "RpcTimeout", "RpcCrcError", "RpcFrameError", "RpcRemoteError", "RpcClosed"]
