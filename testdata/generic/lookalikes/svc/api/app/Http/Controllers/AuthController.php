<?php
namespace App\Http\Controllers;

class AuthController extends Controller
{
    private $apiKey;

    public function __construct()
    {
        $this->apiKey = env('BILLING_API_KEY');
        $password = getenv('DB_PASSWORD');
        $secret = $_ENV['APP_SECRET'] ?? '';
        $token = config('services.billing.token');
    }

    public function rules()
    {
        return ['password' => 'required|string|min:12|confirmed', 'token' => 'nullable|string'];
    }
}
define('DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD'));
define('AUTH_KEY', 'put your unique phrase here');
define('SECURE_AUTH_KEY', 'put your unique phrase here');
