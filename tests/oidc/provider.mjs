// A real OpenID provider for the back office's tests: oidc-provider (npm, pinned in
// tests/package-lock.json) on 127.0.0.1 with its development login form (any password), one
// confidential test client and test users whose ID token carries a `roles` claim.
// Usage: node tests/oidc/provider.mjs PORT [conform]   (prints "ready" when it listens)
// With "conform" the provider keeps to the ID-token rules of OIDC Core: profile claims (and the
// roles) only from the userinfo endpoint, and it accepts client_secret_post only.
import Provider from "oidc-provider";

const port = Number(process.argv[2] || 4000);
const conform = process.argv[3] === "conform";
const issuer = `http://127.0.0.1:${port}`;
const USERS = {
  coord: { name: "Carla de Coördinator", roles: ["spiegel-coord"] },
  peer: { name: "Piet van Collegiaal", roles: ["spiegel-peer"] },
  fg: { name: "Fatima Gegevens", roles: ["spiegel-fg"] },
  eva: { name: "Eva Evaluatie", roles: ["spiegel-ge"] },
  nobody: { name: "Nina Zonderrol", roles: [] },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "spiegel-test",
      client_secret: "spiegel-test-secret",
      redirect_uris: ["http://127.0.0.1/beheer/inloggen/terug"],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: conform ? "client_secret_post" : "client_secret_basic",
    },
  ],
  claims: { openid: ["sub"], profile: ["name", "roles"] },
  conformIdTokenClaims: conform, // false: the roles claim in the ID token, as Entra ID sends it
  clientAuthMethods: conform ? ["client_secret_post"] : ["client_secret_basic", "client_secret_post"],
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ["spiegel-test-cookie-key"] },
  async findAccount(ctx, id) {
    const user = USERS[id] || { name: id, roles: [] };
    return { accountId: id, async claims() { return { sub: id, ...user }; } };
  },
  // a first-party client: no consent screen (the organisation consented for its staff)
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile");
    grant.addOIDCClaims(["name", "roles"]);
    await grant.save();
    return grant;
  },
});

// Tests only: the app under test listens on a free port, so any loopback port is allowed for
// the registered path (a real provider registers the exact redirect URI).
const allowed = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function (uri) {
  try {
    const u = new URL(uri);
    if (u.hostname === "127.0.0.1" && u.pathname === "/beheer/inloggen/terug" && !u.search) return true;
  } catch { return false; }
  return allowed.call(this, uri);
};

provider.on("server_error", (ctx, err) => console.error("server_error", err));
provider.listen(port, "127.0.0.1", () => console.log("ready"));
