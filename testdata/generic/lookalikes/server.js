const password = process.env.DB_PASSWORD;
const token = req.headers['x-api-token'];
const secret = config.get('jwt.secret');
const apiKey = await getSecret('api-key');
if (password === undefined) throw new Error('no password');
