//! The command line of the authorization server: clients, users and signing keys.

use std::fmt::Write as _;
use std::io::BufRead as _;

use clap::Subcommand;

use super::{AuthorizationServer, OAuthError};

/// `oauth-client …`
#[derive(Debug, Subcommand)]
pub(crate) enum ClientCommand {
    /// Create a public PKCE client, or update (and un-revoke) the one with this name: same client id
    Create {
        /// The name the consent page shows
        #[arg(long)]
        name: String,
        /// An allowed redirect URI (repeat for more)
        #[arg(long = "redirect-uri", value_name = "URI", required = true)]
        redirect_uris: Vec<String>,
        /// Approve without asking the user
        #[arg(long)]
        skip_consent: bool,
    },
    /// List the clients
    List,
    /// Revoke a client and its refresh tokens
    Revoke {
        /// The client's id
        client_id: String,
    },
}

/// `user …`
#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create a user of the built-in login, or set an existing one's password and permissions.
    /// The password is the first line of standard input.
    Create {
        username: String,
        /// A permission the user holds (repeat for more), e.g. mcp.change_connector_settings
        #[arg(long = "permission", value_name = "PERM")]
        permissions: Vec<String>,
    },
    /// End every grant of a user (refresh tokens, unused codes, remembered consents): their
    /// clients must sign in again
    RevokeGrants {
        /// The user's subject: a built-in user's name, or the host application's user id
        subject: String,
    },
}

/// `oauth-key …`
#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Sign new tokens with a new key; tokens signed with the old one stay valid until they expire
    Rotate,
}

/// What a command printed, or why it failed.
pub(crate) type Outcome = Result<(), String>;

fn failed(error: OAuthError) -> String {
    error.to_string()
}

pub(crate) async fn client(server: &AuthorizationServer, command: ClientCommand) -> Outcome {
    // Written whole at the end: stdout's lock cannot be held across an await.
    let mut out = String::new();
    let io = |e: std::fmt::Error| e.to_string();
    match command {
        ClientCommand::Create {
            name,
            redirect_uris,
            skip_consent,
        } => {
            let (client, created) = server
                .ensure_client(&name, &redirect_uris, skip_consent)
                .await
                .map_err(failed)?;
            let verb = if created { "Created" } else { "Updated" };
            writeln!(out, "{verb} OAuth client '{}'", client.name).map_err(io)?;
            writeln!(out, "  Client ID: {}", client.client_id).map_err(io)?;
            writeln!(out, "  Public client (PKCE), no client secret.").map_err(io)?;
            let consent = if client.skip_consent {
                "auto-approved"
            } else {
                "asked on first authorization"
            };
            writeln!(out, "  Consent: {consent}").map_err(io)?;
        }
        ClientCommand::List => {
            let clients = server.clients().await.map_err(failed)?;
            writeln!(
                out,
                "CLIENT ID                         STATUS   NAME  (REDIRECT URIS)"
            )
            .map_err(io)?;
            for client in &clients {
                let status = if client.revoked { "revoked" } else { "active" };
                writeln!(
                    out,
                    "{:32}  {status:7}  {}  ({})",
                    client.client_id,
                    client.name,
                    client.redirect_uris.join(" ")
                )
                .map_err(io)?;
            }
            writeln!(out, "\n{} clients", clients.len()).map_err(io)?;
        }
        ClientCommand::Revoke { client_id } => {
            if !server.revoke_client(&client_id).await.map_err(failed)? {
                return Err(format!("there is no client `{client_id}`"));
            }
            writeln!(out, "Revoked OAuth client {client_id}").map_err(io)?;
        }
    }
    print!("{out}");
    Ok(())
}

pub(crate) async fn user(server: &AuthorizationServer, command: UserCommand) -> Outcome {
    match command {
        UserCommand::Create {
            username,
            permissions,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .map_err(|e| format!("reading the password from standard input: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']);
            let created = server
                .save_user(&username, password, &permissions)
                .await
                .map_err(failed)?;
            let verb = if created { "Created" } else { "Updated" };
            println!("{verb} user '{username}'");
        }
        UserCommand::RevokeGrants { subject } => {
            let ended = server.revoke_grants(&subject).await.map_err(failed)?;
            println!("Ended {ended} grant(s) of '{subject}'; their clients must sign in again");
        }
    }
    Ok(())
}

pub(crate) async fn key(server: &AuthorizationServer, command: KeyCommand) -> Outcome {
    let KeyCommand::Rotate = command;
    let kid = server.rotate_key().await.map_err(failed)?;
    println!("Tokens are now signed with key {kid}");
    Ok(())
}
