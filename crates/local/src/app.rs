//! `rollcall serve`: wires the SQLite store, the SMTP inbox, the web site and the two worker
//! loops together ([`App::build`]), and runs them until told to stop ([`App::run`]): the
//! binary stops on SIGINT/SIGTERM, a test that boots the application in-process when it likes.

use crate::config::{Outbound, ServeConfig};
use crate::data_dir::DataDir;
use crate::http_server;
use crate::intake::StoreIntake;
use crate::mailer::{FileMailer, RelayMailer};
use crate::smtp::{self, SmtpConfig};
use crate::store::SqliteStore;
use crate::trust::SenderCheck;
use crate::worker::{InboundWorker, OutboxSender};
use anyhow::{Context, Result};
use rollcall_core::Limits;
use rollcall_core::ids::RandomIds;
use rollcall_core::ports::{Composer, Mailer, Store};
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::deliver::DeliverySettings;
use rollcall_core::usecase::dispatch::Dispatching;
use rollcall_core::usecase::ingest::IngestSettings;
use rollcall_http::{AppState, HttpSettings, router};
use rollcall_mail::{MailComposer, MailSettings};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

/// `rollcall serve`: build, say where everything is, run until SIGINT or SIGTERM.
pub async fn serve(config: ServeConfig) -> Result<()> {
    let app = App::build(config).await?;
    app.announce();
    app.run(shutdown_signal()).await
}

/// The server, wired and listening on its sockets (connections wait in the backlog), not yet
/// serving.
#[derive(Debug)]
pub struct App {
    config: ServeConfig,
    data: DataDir,
    http_listener: TcpListener,
    smtp_listener: TcpListener,
    smtp_config: Arc<SmtpConfig>,
    intake: Arc<StoreIntake>,
    router: axum::Router,
    worker: InboundWorker,
    sender: OutboxSender,
    outbox_wake: Arc<Notify>,
    base_url: String,
    dashboard_built: bool,
}

impl App {
    /// Opens the data folder, binds both sockets (port 0 takes a free one: see
    /// [`App::http_addr`]) and wires every part, or says what stood in the way.
    pub async fn build(mut config: ServeConfig) -> Result<App> {
        let data = DataDir::open(&config.data_dir)?;
        let store = SqliteStore::open(&data.database())
            .with_context(|| format!("cannot open the database {}", data.database().display()))?;
        let http_listener =
            bind(config.http_addr, "HTTP", "--http-addr / ROLLCALL_HTTP_ADDR").await?;
        let smtp_listener =
            bind(config.smtp_addr, "SMTP", "--smtp-addr / ROLLCALL_SMTP_ADDR").await?;
        // The addresses actually bound, so links and messages name a port 0 resolved.
        config.http_addr = http_listener.local_addr()?;
        config.smtp_addr = smtp_listener.local_addr()?;
        let base_url = config.base_url();
        let tokens = TokenKey::from_bytes(data.secret()?);
        let scrubbed = store
            .scrub_reply_keys(&config.domain, &tokens)
            .context("cannot rewrite the inbox's stored recipients")?;
        if scrubbed > 0 {
            tracing::warn!(
                messages = scrubbed,
                "rewrote stored recipients so that the database holds no reply key"
            );
        }

        let inbound_wake = Arc::new(Notify::new());
        let outbox_wake = Arc::new(Notify::new());
        let limits = Limits {
            max_message_bytes: config.max_message_bytes,
            ..Limits::default()
        };

        let composer: Arc<dyn Composer> = Arc::new(MailComposer::new(MailSettings {
            sender: None,
            base_url: base_url.clone(),
            domain: config.domain.clone(),
            tokens: tokens.clone(),
        }));
        let mailer: Arc<dyn Mailer> = match &config.outbound {
            Outbound::File => Arc::new(FileMailer { dir: data.outbox() }),
            Outbound::Smtp { host, port } => Arc::new(RelayMailer {
                host: host.clone(),
                port: *port,
                helo: config.domain.clone(),
            }),
        };

        let ingest_settings = IngestSettings {
            confirm_expiry: chrono::Duration::days(config.confirm_days.max(1)),
            quotas: config.quotas(),
            ..IngestSettings::new(limits, config.domain.clone(), tokens.clone())
        };
        let sender_check = SenderCheck {
            budget: std::time::Duration::from_secs(config.dns_timeout.max(1)),
            front: config.front_server(),
            ..SenderCheck::new(config.trusted_networks(), &config.domain)
        };
        // Shared by the web site and the worker, so a change by mail drops the event's page at once.
        let pages = Arc::new(rollcall_http::PageCache::default());
        // The store as every use case writes it: commits queue their change records' dispatch.
        let ports: Arc<dyn Store> = Arc::new(Dispatching::new(Arc::new(store.clone())));
        let worker = InboundWorker {
            store: store.clone(),
            ports: ports.clone(),
            pages: pages.clone(),
            settings: ingest_settings.clone(),
            domain: config.domain.clone(),
            sender: Arc::new(sender_check),
            wake: inbound_wake.clone(),
        };
        let lookup: Arc<dyn rollcall_core::ports::Lookup> = Arc::new(rollcall_http::SystemLookup);
        let webhooks = rollcall_webhooks::HttpsSender::new(config.webhook_policy(), lookup.clone())
            .map_err(anyhow::Error::msg)?;
        let sender = OutboxSender {
            store: ports.clone(),
            composer,
            mailer,
            webhooks: Arc::new(webhooks),
            // One sender per data folder (the folder lock), so claims need no lease: a message a
            // crash interrupted is due again as soon as the server is back.
            settings: DeliverySettings {
                lease: chrono::Duration::zero(),
                sign_in_link_ttl: config.access().link_ttl,
                lifetime: config.outbox_lifetime,
                max_backoff: config.outbox_max_backoff,
                max_probe_interval: config.outbox_max_probe,
                quotas: config.quotas(),
                ..DeliverySettings::default()
            },
            rate_per_second: config.send_rate,
            wake: outbox_wake.clone(),
        };
        let intake = Arc::new(StoreIntake {
            store: store.clone(),
            inbox_dir: data.inbox(),
            domain: config.domain.clone(),
            tokens: tokens.clone(),
            wake: inbound_wake,
        });
        let smtp_config = Arc::new(SmtpConfig {
            hostname: config.domain.clone(),
            max_message_size: config.max_message_bytes,
            trusted_networks: config.trusted_networks(),
            open: config.smtp_open,
            domain: config.domain.clone(),
            max_connections_per_client: config.limits.smtp_max_connections_per_client,
            data_timeout: config.limits.smtp_data_timeout,
            min_data_rate: config.limits.smtp_min_data_rate,
            greet_delay: config.limits.smtp_greet_delay,
            ..SmtpConfig::default()
        });
        let mut state = AppState::new(
            ports,
            Arc::new(RandomIds),
            tokens.clone(),
            HttpSettings {
                base_url: base_url.clone(),
                domain: config.domain.clone(),
            },
        )
        .with_raw_mail(Arc::new(store.clone()))
        .with_ingest_settings(ingest_settings)
        .with_access(config.access())
        .with_trusted_proxies(config.trusted_proxies.clone())
        .with_webhooks(rollcall_http::WebhookSettings {
            policy: config.webhook_policy(),
            lookup,
        });
        if let Some(dir) = &config.web_dir {
            state = state.with_web(rollcall_http::WebAssets::Folder(dir.clone()));
        }
        let dashboard_built = state.web.present();
        state.pages = pages.clone();
        Ok(App {
            router: router(state),
            config,
            data,
            http_listener,
            smtp_listener,
            smtp_config,
            intake,
            worker,
            sender,
            outbox_wake,
            base_url,
            dashboard_built,
        })
    }

    /// Where the web site listens.
    pub fn http_addr(&self) -> std::net::SocketAddr {
        self.config.http_addr
    }

    /// Where the SMTP inbox listens.
    pub fn smtp_addr(&self) -> std::net::SocketAddr {
        self.config.smtp_addr
    }

    /// Says on stdout where everything is, for the person who started the server.
    pub fn announce(&self) {
        let config = &self.config;
        if !self.dashboard_built {
            println!("rollcall: the dashboard app is not built (see web/README.md); /app/ says so");
        }
        println!("rollcall: data folder {}", config.data_dir.display());
        println!(
            "rollcall: web site on http://{} (public links use {})",
            config.http_addr, self.base_url
        );
        println!(
            "rollcall: SMTP inbox on {} for invites@{}{}",
            config.smtp_addr,
            config.domain,
            if config.smtp_open {
                " (open: untrusted networks may deliver; their mail needs DMARC or confirmation)"
            } else {
                ""
            }
        );
        match &config.outbound {
            Outbound::File => println!(
                "rollcall: outgoing mail written to {}",
                self.data.outbox().display()
            ),
            Outbound::Smtp { host, port } => {
                println!("rollcall: outgoing mail relayed through {host}:{port}")
            }
        }
    }

    /// Serves until `shutdown` completes, then stops taking connections, lets the loops
    /// finish the step they are in, and lets go of the data folder.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) -> Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let smtp_task = tokio::spawn(smtp::serve(
            self.smtp_listener,
            self.smtp_config,
            self.intake,
            stopped(stop_rx.clone()),
        ));
        let http_task = tokio::spawn(http_server::serve(
            self.http_listener,
            self.router,
            self.config.limits.http(),
            stopped(stop_rx.clone()),
        ));
        let worker_task = tokio::spawn(self.worker.run(stop_rx.clone(), self.outbox_wake));
        let sender_task = tokio::spawn(self.sender.run(stop_rx.clone()));

        shutdown.await;
        println!("rollcall: shutting down");
        let _ = stop_tx.send(true);
        let (smtp, http, _, _) = tokio::join!(smtp_task, http_task, worker_task, sender_task);
        smtp.context("SMTP task")?.context("SMTP listener")?;
        http.context("HTTP task")?.context("HTTP server")?;
        drop(self.data);
        Ok(())
    }
}

async fn bind(addr: std::net::SocketAddr, what: &str, flag: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen for {what} on {addr} (is another program using that port? choose another with {flag})")
    })
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
