const apiKey = process.env.API_KEY;
const { DB_PASSWORD: password = '' } = process.env;
const token = localStorage.getItem('token');
const secret = await secretsManager.getSecretValue({ SecretId: 'billing/api' }).promise();
const config = {
  password: process.env.REDIS_PASSWORD || undefined,
  apiToken: `${process.env.API_TOKEN}`,
  clientSecret: import.meta.env.VITE_CLIENT_SECRET,
  passwordPlaceholder: 'Enter your password',
  tokenStorageKey: 'billing.auth.token',
};
export const PASSWORD_REGEX = /^(?=.*[A-Z])(?=.*\d).{12,}$/;
