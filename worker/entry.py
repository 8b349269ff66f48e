"""The Worker: HTTP requests go to the ASGI app, cron triggers to the jobs.

Nothing runs at import but imports (the deploy-time memory snapshot forbids
randomness there); the app is built on the first request from the env's vars
and secrets, and kept for the life of the isolate.
"""

from typing import Any

from workers import WorkerEntrypoint

# Imported at the top so FastAPI and the app's modules are in the deploy-time
# memory snapshot, not loaded on the first request.
from core.app import create_app
from worker.bindings import EdgeEnv, EdgeRuntime, cf_facts, settings_from_env

_built: tuple[Any, EdgeRuntime] | None = None


def _app(env: Any) -> tuple[Any, EdgeRuntime]:
    global _built
    if _built is None:
        settings = settings_from_env(env)
        runtime = EdgeRuntime(settings)
        _built = (create_app(settings, runtime), runtime)
    return _built


class Default(WorkerEntrypoint):
    async def fetch(self, request: Any) -> Any:
        try:  # the runtime SDK's bridge where it is vendored, else the runtime's own
            from workers import asgi
        except ImportError:
            import asgi

        app, _ = _app(self.env)
        js_request = getattr(request, "js_object", request)
        env = EdgeEnv(self.env, cf_facts(getattr(js_request, "cf", None)), self.ctx)
        return await asgi.fetch(app, js_request, env)

    async def scheduled(self, controller: Any, env: Any, ctx: Any) -> None:
        from core.features import run_cron

        _, runtime = _app(self.env)
        # Awaited: the invocation lasts as long as its jobs (each failure is
        # recorded by the dispatcher); work they defer goes to ctx.waitUntil.
        await run_cron(
            controller.cron,
            runtime.ports_for(self.env, ctx),
            runtime.settings,
            scheduled_time=controller.scheduledTime / 1000,
        )
