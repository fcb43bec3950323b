// Sign-in with the admin key; and the answer when no admin key is configured.
import { Layout, Note } from '../layout.tsx';

export function SignInPage(props: { token: string; error?: string }) {
  return (
    <Layout title="Sign in">
      {props.error && <Note bad>{props.error}</Note>}
      <form method="post" action="/console/sign-in">
        <input type="hidden" name="token" value={props.token} />
        <p>
          <label for="key">Admin API key</label><br />
          <input id="key" name="key" type="password" autocomplete="current-password" required size={48} />
        </p>
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}

export function DisabledPage() {
  return (
    <Layout title="Console disabled">
      <p>The operator console is disabled: no admin key is configured. Set <code>ADMIN_API_KEY</code> and restart the router to use it.</p>
    </Layout>
  );
}
