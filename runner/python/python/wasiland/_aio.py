"""The asyncio variants of Sandbox.run and Sandbox.run_python."""

import asyncio
import functools


async def call_in_thread(sandbox, method, arg, **kwargs):
    """Run ``sandbox.<method>(arg, **kwargs)`` on the loop's default executor.

    The call releases the GIL, so the event loop keeps running. Cancelling
    the awaiting task cancels the command in the sandbox and waits for it to
    end (it ends promptly: every process of the run is stopped).
    """
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(
        None, functools.partial(getattr(sandbox, method), arg, **kwargs)
    )
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        sandbox.cancel()
        await asyncio.wait([future])
        raise
