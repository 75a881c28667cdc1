import os
from django.conf import settings

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DB_PASSWORD = os.environ.get("DB_PASSWORD", "")
API_TOKEN = os.getenv("API_TOKEN") or None
STRIPE_KEY = settings.STRIPE_SECRET_KEY
password = input("Password: ")
token = request.headers.get("Authorization", "").removeprefix("Bearer ")
conn_str = "host=%(host)s password=%(password)s" % params
client_secret = get_secret("billing/client-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
password_hash = "pbkdf2_sha256$600000$Hk3zqJ0fQxYw$4bUqE2n7Wc0Jq8Lr9sVt6yXz1aB3cD5eF7gH9iJ0kL="
