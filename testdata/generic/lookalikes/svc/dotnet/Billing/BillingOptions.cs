namespace Billing;

public sealed class BillingOptions
{
    public const string PasswordKey = "Billing:DbPassword";
    public string ApiToken { get; set; } = string.Empty;
    public string? ClientSecret { get; init; }

    public static BillingOptions FromEnvironment() => new()
    {
        ApiToken = Environment.GetEnvironmentVariable("BILLING_API_TOKEN") ?? "",
        ClientSecret = Environment.GetEnvironmentVariable("BILLING_CLIENT_SECRET"),
    };
}
