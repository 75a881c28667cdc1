from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = 'django-insecure-v4v7hwp($4va6c0%450tv668-c+xmpk*$rl9%n(s'
DEBUG = False
ALLOWED_HOSTS = ['shop.example.org']
