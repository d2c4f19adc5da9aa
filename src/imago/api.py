from ninja import NinjaAPI

api = NinjaAPI(title="imago API", version="1.0.0")
