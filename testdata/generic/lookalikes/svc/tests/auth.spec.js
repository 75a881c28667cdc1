describe('auth', () => {
  const password = 'correct-horse-battery-staple';
  const token = 'mock-jwt-token';
  const apiKey = 'sk_test_FAKE0000000000000000';
  it('logs in', () => {
    expect(login({ username: 'demo', password: 'P@ssw0rd' })).toBeTruthy();
  });
});
