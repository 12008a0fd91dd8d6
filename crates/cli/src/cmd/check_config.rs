//! `matchbot check-config`: the configuration, validated and summarised.

use matchbot_config::Config;

/// Prints what the configuration sets up (a refused one never gets here: it exits 2).
pub fn run(config: &Config) {
    println!("{}: OK", config.source.display());
    println!("  programme: {}", config.programme);
    println!("  wiki API: {}", config.wiki.api_url);
    println!("  bot account: {}", config.wiki.username);
    println!("  profiles: subpages of {}", config.pages.main);
    println!("  skills:");
    for s in &config.skills {
        println!(
            "    {}: requested with {}, offered with {}",
            s.name, s.request_category, s.mentor_category
        );
    }
    println!("  general mentors: {}", config.general_category);
    println!("  opted-out mentors: {}", config.optout_category);
    if let Some(away) = &config.away_category {
        println!("  away mentors: {away} (sort key: the day they are back)");
    }
    let m = &config.matcher;
    println!(
        "  matching: {}, seed {}, loads over {} days, cap {}, active within {}",
        m.selection.name(),
        m.seed,
        m.load_days,
        m.max_active.map_or("none".to_owned(), |c| c.to_string()),
        m.active_within_days
            .map_or("any time".to_owned(), |d| format!("{d} days"))
    );
    for (name, s) in &m.mentors {
        println!(
            "    {name}: weight {}, cap {}",
            s.weight,
            m.cap(name).map_or("none".to_owned(), |c| c.to_string())
        );
    }
    println!(
        "  database: {} on {}:{}",
        config.db.name, config.db.host, config.db.port
    );
}
