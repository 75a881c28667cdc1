import os
SECRET_KEY = os.environ['SECRET_KEY']
DB_PASSWORD = os.getenv('DB_PASSWORD')
API_KEY = os.environ.get('API_KEY', '')
password_hash = '$2b$12$KIXQJ9.8UoJQyJYpU6u6be8bQ6y7N5yq0J8lq7D2l3ZtQ2s1Y6f3K'
PASSWORD_MIN_LENGTH = 12
TOKEN_URL = 'https://oauth2.googleapis.com/token'
