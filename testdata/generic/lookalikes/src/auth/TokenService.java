public class TokenService {
  private static final String TOKEN_HEADER = "Authorization";
  private final String secretName = "jwt-signing-key";
  public String tokenFor(User user) { return signer.sign(user.getId()); }
}
