//! Logging in (a BotPassword), checking an OAuth 2 token, and the tokens writes need.

use matchbot_secret::Secret;

use crate::auth::Auth;
use crate::client::{Client, Kind};
use crate::error::Error;

impl Client {
    /// Logs in with the BotPassword (`meta=tokens&type=login`, then `action=login`).
    pub async fn login(&self) -> Result<(), Error> {
        let Some(Auth::BotPassword {
            username: user,
            password,
        }) = &self.inner.auth
        else {
            return Ok(());
        };
        let mut session = self.inner.session.lock().await;
        session.logged_in = false;
        session.csrf = None;
        let tokens = self
            .request(
                &[("action", "query"), ("meta", "tokens"), ("type", "login")],
                Kind::Login,
            )
            .await?;
        let login_token = tokens["query"]["tokens"]["logintoken"]
            .as_str()
            .ok_or_else(|| Error::Decode("no login token in meta=tokens".into()))?
            .to_owned();
        let answer = self
            .request(
                &[
                    ("action", "login"),
                    ("lgname", user),
                    ("lgpassword", password.expose()),
                    ("lgtoken", &login_token),
                ],
                Kind::Login,
            )
            .await?;
        let result = answer["login"]["result"].as_str().unwrap_or("");
        if result != "Success" {
            let reason = answer["login"]["reason"]
                .as_str()
                .or_else(|| answer["login"]["reason"]["text"].as_str())
                .unwrap_or(result)
                .to_owned();
            return Err(Error::LoginFailed {
                user: user.clone(),
                reason,
            });
        }
        session.logged_in = true;
        tracing::info!(user = %user, "logged in to the wiki");
        Ok(())
    }

    /// Asks the wiki who the OAuth 2 token belongs to (`meta=userinfo`): a token the wiki does
    /// not accept, or one of another account, is refused here rather than at the first edit.
    pub(crate) async fn check_token(&self) -> Result<(), Error> {
        let Some(Auth::OAuth2 { username, .. }) = &self.inner.auth else {
            return Ok(());
        };
        let refused = |reason: String| Error::LoginFailed {
            user: username.clone(),
            reason,
        };
        let answer = match self
            .request(&[("action", "query"), ("meta", "userinfo")], Kind::Login)
            .await
        {
            Err(Error::NotLoggedIn(code)) => {
                return Err(refused(format!(
                    "the wiki refused the OAuth 2 token ({code})"
                )));
            }
            other => other?,
        };
        let info = &answer["query"]["userinfo"];
        let expected = self.bot_name().unwrap_or(username);
        match info["name"].as_str() {
            _ if info["anon"].as_bool().unwrap_or(false) => Err(refused(
                "the wiki treated the OAuth 2 token as anonymous".into(),
            )),
            Some(name) if name == expected => {
                self.inner.session.lock().await.logged_in = true;
                tracing::info!(user = %name, "authenticated to the wiki with OAuth 2");
                Ok(())
            }
            other => Err(refused(format!(
                "the OAuth 2 token belongs to {}, not {expected}",
                other.unwrap_or("nobody")
            ))),
        }
    }

    pub(crate) async fn csrf_token(&self) -> Result<Secret, Error> {
        if let Some(token) = self.inner.session.lock().await.csrf.clone() {
            return Ok(token);
        }
        let answer = self
            .request(&[("action", "query"), ("meta", "tokens")], Kind::Read)
            .await?;
        let token = answer["query"]["tokens"]["csrftoken"]
            .as_str()
            .ok_or_else(|| Error::Decode("no csrf token in meta=tokens".into()))?;
        let token = Secret::new(token);
        self.inner.session.lock().await.csrf = Some(token.clone());
        Ok(token)
    }

    pub(crate) async fn watch_token(&self) -> Result<Secret, Error> {
        let answer = self
            .request(
                &[("action", "query"), ("meta", "tokens"), ("type", "watch")],
                Kind::Read,
            )
            .await?;
        let token = answer["query"]["tokens"]["watchtoken"]
            .as_str()
            .ok_or_else(|| Error::Decode("no watch token in meta=tokens".into()))?;
        Ok(Secret::new(token))
    }
}
