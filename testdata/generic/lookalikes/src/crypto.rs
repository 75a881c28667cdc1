let secret_key = SecretKey::from_slice(&bytes)?;
let token = Token::new(TokenKind::Ident, span);
let password = rpassword::prompt_password("Password: ")?;
