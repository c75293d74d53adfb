import { atHost } from "../base-url";
import { PASSWORD, expect, logIn, signUp, test, uniqueName } from "./helpers";

// People type `localhost`, `make run` prints `localhost`, and passkeys will need it:
// with no public origin configured, every loopback name of the port is Keycard's own.
for (const host of ["localhost", "127.0.0.1"]) {
  test.describe(`at http://${host}`, () => {
    test.use({ baseURL: atHost(host) });

    test("sign up, log out and log in again", async ({ page }) => {
      const username = uniqueName(host.startsWith("l") ? "local" : "loop");
      await signUp(page, username);
      expect(new URL(page.url()).hostname).toBe(host);

      await page.getByRole("button", { name: "Log out" }).click();
      await expect(page).toHaveURL(/\/login\?logged_out=1$/);

      await logIn(page, username, PASSWORD);
      await expect(page).toHaveURL(/\/profile$/);
      await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();
    });
  });
}
