//! Logging in and proving who is asking: `action=login` with a BotPassword, `meta=tokens`
//! (login, csrf and watch tokens), `meta=userinfo`, OAuth 2 bearer tokens, `assert` and
//! `assertuser`, and the `badtoken` refusal every write starts with.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::server::error;
use super::state::Wiki;

/// `meta=tokens`: a login token, or the session's csrf token (the watch token is the same).
pub(super) fn tokens(
    wiki: &mut Wiki,
    session_id: &str,
    p: &HashMap<String, String>,
    mut answer: Value,
) -> Value {
    let kind = p.get("type").map_or("csrf", String::as_str);
    let token = format!("{:016x}+\\", wiki.random());
    wiki.handed_out
        .push(token.trim_end_matches("+\\").to_owned());
    let session = wiki.sessions.entry(session_id.to_owned()).or_default();
    let tokens = match kind {
        "login" => {
            session.login_token = Some(token.clone());
            json!({ "logintoken": token })
        }
        _ => {
            let csrf = match (&session.user, &session.csrf) {
                (None, _) => "+\\".to_owned(),
                (Some(_), Some(existing)) => existing.clone(),
                (Some(_), None) => {
                    session.csrf = Some(token.clone());
                    token
                }
            };
            // The fake's watch token is its csrf token; the real wiki's differ.
            if kind == "watch" {
                json!({ "watchtoken": csrf })
            } else {
                json!({ "csrftoken": csrf })
            }
        }
    };
    answer["query"] = json!({ "tokens": tokens });
    answer
}

/// `meta=userinfo`: the session's account, or an anonymous user.
pub(super) fn userinfo(wiki: &mut Wiki, session_id: &str, mut answer: Value) -> Value {
    let user = wiki.sessions.get(session_id).and_then(|s| s.user.clone());
    answer["query"] = match user {
        Some(name) => json!({ "userinfo": { "id": wiki.user(&name), "name": name } }),
        None => json!({ "userinfo": { "id": 0, "name": "127.0.0.1", "anon": true } }),
    };
    answer
}

/// Logs the session in as the account an `Authorization: Bearer` token stands for; the
/// `mwoauth-invalid-authorization` error for a token the wiki does not know.
pub(super) fn bearer(wiki: &mut Wiki, session_id: &str, token: &str) -> Result<(), Value> {
    // An OAuth request is authenticated by its header alone, whatever the session says.
    match wiki.oauth_tokens.get(token).cloned() {
        Some(account) => {
            if let Some(s) = wiki.sessions.get_mut(session_id) {
                s.user = Some(account);
            }
            Ok(())
        }
        None => Err(error(
            "mwoauth-invalid-authorization",
            "The authorization headers in your request are not valid: Invalid access token",
        )),
    }
}

/// The error for an `assert` or `assertuser` that `user`, the session's account, fails.
pub(super) fn refuse_failed_assert(
    user: Option<&str>,
    p: &HashMap<String, String>,
) -> Option<Value> {
    if let Some(assert) = p.get("assert") {
        let ok = match assert.as_str() {
            "user" | "bot" => user.is_some(),
            _ => true,
        };
        if !ok {
            let code = if assert == "bot" {
                "assertbotfailed"
            } else {
                "assertuserfailed"
            };
            return Some(error(
                code,
                "You are no longer logged in, so the action could not be completed.",
            ));
        }
    }
    if let Some(expected) = p.get("assertuser")
        && user != Some(expected.as_str())
    {
        return Some(error(
            "assertnameduserfailed",
            &format!("You are no longer logged in as \"{expected}\"."),
        ));
    }
    None
}

pub(super) fn login(wiki: &mut Wiki, session_id: &str, p: &HashMap<String, String>) -> Value {
    let name = p.get("lgname").cloned().unwrap_or_default();
    let token_ok = {
        let session = wiki.sessions.get(session_id);
        session.and_then(|s| s.login_token.as_deref()) == p.get("lgtoken").map(String::as_str)
    };
    if !token_ok {
        return json!({ "login": { "result": "WrongToken" } });
    }
    let password_ok = wiki.bot_passwords.get(&name) == p.get("lgpassword");
    if !password_ok {
        return json!({ "login": {
            "result": "Failed",
            "reason": "Incorrect username or password entered. Please try again.",
        }});
    }
    let account = name.split('@').next().unwrap_or(&name).to_owned();
    let userid = wiki.user(&account);
    if let Some(s) = wiki.sessions.get_mut(session_id) {
        s.user = Some(account.clone());
        s.login_token = None;
        s.csrf = None;
    }
    json!({ "login": { "result": "Success", "lguserid": userid, "lgusername": account } })
}

/// The `badtoken` error when a write's `token` is not the session's csrf token.
pub(super) fn refuse_bad_token(
    wiki: &Wiki,
    session_id: &str,
    p: &HashMap<String, String>,
) -> Option<Value> {
    let csrf = wiki.sessions.get(session_id).and_then(|s| s.csrf.clone());
    // An anonymous session's token is "+\".
    let expected = csrf.unwrap_or_else(|| "+\\".to_owned());
    (p.get("token") != Some(&expected)).then(|| error("badtoken", "Invalid CSRF token."))
}
