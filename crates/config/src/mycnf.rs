//! MySQL option files such as Toolforge's `replica.my.cnf`, which holds a tool's ToolsDB
//! credentials:
//!
//! ```text
//! [client]
//! user = s52788
//! password = '…'
//! ```

use matchbot_secret::Secret;

/// A user name and password read from an option file.
#[derive(Debug)]
pub(crate) struct Credentials {
    pub(crate) user: String,
    pub(crate) password: Secret,
}

/// The `user` and `password` of the `[client]` group (or of no group), or what is missing.
/// The error never contains the file's text: it holds a password.
pub(crate) fn parse(text: &str) -> Result<Credentials, String> {
    let (mut user, mut password) = (None, None);
    let mut in_client = true;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(group) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_client = group.trim() == "client";
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !in_client {
            continue;
        }
        let value = unquote(value.trim());
        match key.trim() {
            "user" => user = Some(value.to_owned()),
            "password" => password = Some(value.to_owned()),
            _ => {}
        }
    }
    match (user.filter(|u| !u.is_empty()), password) {
        (Some(user), Some(password)) => Ok(Credentials {
            user,
            password: Secret::new(password),
        }),
        (None, _) => Err("has no `user` in its [client] group".to_owned()),
        (Some(_), None) => Err("has no `password` in its [client] group".to_owned()),
    }
}

fn unquote(value: &str) -> &str {
    for quote in ['\'', '"'] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolforge_replica_my_cnf_is_read() {
        let c = parse("[client]\nuser = s52788\npassword = 'abc=def'\n").expect("credentials");
        assert_eq!(c.user, "s52788");
        assert_eq!(c.password.expose(), "abc=def");
        let c = parse("# comment\n[mysql]\nuser=other\n[client]\nuser=\"u1\"\npassword=p\n")
            .expect("credentials");
        assert_eq!((c.user.as_str(), c.password.expose()), ("u1", "p"));
    }

    #[test]
    fn what_is_missing_is_named_without_the_text() {
        assert_eq!(
            parse("[client]\npassword = hunter2\n").expect_err("no user"),
            "has no `user` in its [client] group"
        );
        let e = parse("[client]\nuser = s1\n").expect_err("no password");
        assert_eq!(e, "has no `password` in its [client] group");
        assert!(parse("[other]\nuser = s1\npassword = x\n").is_err());
    }
}
