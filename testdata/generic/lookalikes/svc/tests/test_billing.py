import pytest

FAKE_PASSWORD = "not-a-real-password"
TEST_API_KEY = "test_api_key_123456"

@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("DB_PASSWORD", "dummy-password")
    monkeypatch.setenv("API_TOKEN", "fake-token-for-tests")
    return make_client(password="password123", token="test-token")

def test_login(client):
    assert client.login("alice", password="hunter2")
    assert client.api_key == "xxxxxxxxxxxxxxxx"
