"""The NinjaAPI instance; routers are added as apps grow."""

from ninja import NinjaAPI

api = NinjaAPI(title="sscard API", version="1", urls_namespace="api")


@api.get("/health")
def health(request: object) -> dict[str, str]:
    return {"status": "ok"}
