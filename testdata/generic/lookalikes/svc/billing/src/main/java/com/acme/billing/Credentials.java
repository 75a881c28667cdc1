package com.acme.billing;

public final class Credentials {
    private static final String PASSWORD_PROPERTY = "billing.db.password";
    private static final String TOKEN_HEADER = "X-Billing-Token";

    private final String password = System.getenv("DB_PASSWORD");
    private final String apiToken = System.getProperty("billing.api.token", "");
    private String clientSecret = config.getString("oauth.client-secret");

    @Value("${billing.jwt.secret}")
    private String jwtSecret;

    public String secretKey() {
        return vault.read("secret/billing").getData().get("secret_key");
    }
}
