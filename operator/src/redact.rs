//! Keeping secrets out of logs, events, status and error messages: the one
//! function every database URL and driver message passes through on its way
//! out.

/// A database URL without its password: `postgres://app:s3cret@db/shop`
/// becomes `postgres://app:***@db/shop`, and `password=` / `sslpassword=`
/// query parameters are masked too. Text that is not a URL is returned with
/// any URL inside it redacted the same way.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (before, after) = rest.split_at(pos + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '`')
            .unwrap_or(after.len());
        out.push_str(&redact_url_tail(&after[..end]));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Redacts `user:password@host/path?query` (what follows `scheme://`).
fn redact_url_tail(tail: &str) -> String {
    let (auth_host, query) = match tail.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (tail, None),
    };
    let mut s = match auth_host.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => auth_host.to_owned(),
    };
    if let Some(q) = query {
        s.push('?');
        let params: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.to_ascii_lowercase().contains("password") => format!("{k}=***"),
                _ => p.to_owned(),
            })
            .collect();
        s.push_str(&params.join("&"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/shop"),
            "postgres://app:***@db:5432/shop"
        );
        assert_eq!(
            redact("mysql://root@127.0.0.1/x"),
            "mysql://root@127.0.0.1/x"
        );
        assert_eq!(
            redact("postgres://db/x?user=a&password=s3cret&sslmode=require"),
            "postgres://db/x?user=a&password=***&sslmode=require"
        );
        assert_eq!(redact("sqlite://revisor.db"), "sqlite://revisor.db");
    }

    #[test]
    fn urls_inside_messages_are_masked_and_the_rest_kept() {
        let msg = "cannot connect to postgres://a:p@ss:word@h/db: refused; retry mysql://u:pw@h2/x";
        let got = redact(msg);
        assert!(!got.contains("ss:word") && !got.contains("pw@"), "{got}");
        assert_eq!(
            got,
            "cannot connect to postgres://a:***@h/db: refused; retry mysql://u:***@h2/x"
        );
    }
}
