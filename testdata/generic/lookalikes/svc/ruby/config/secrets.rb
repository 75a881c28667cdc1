Rails.application.configure do
  config.secret_key_base = ENV["SECRET_KEY_BASE"]
  config.x.api_token = ENV.fetch("API_TOKEN", nil)
  config.x.stripe_secret = Rails.application.credentials.dig(:stripe, :secret_key)
end
password = ENV['DB_PASSWORD'] || ''
token = "#{ENV['GITHUB_TOKEN']}"
api_key = Settings.billing.api_key
