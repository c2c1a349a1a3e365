//! A real Redis for the tests of several nodes: a `redis-server` of the test's own on a free
//! loopback port (no disk, no other client), which the test may restart.

use std::process::{Child, Command, Stdio};

use super::PATIENCE;

pub struct TestRedis {
    pub port: u16,
    child: Option<Child>,
}

impl TestRedis {
    pub async fn start() -> Self {
        let port = {
            let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            free.local_addr().expect("its address").port()
        };
        let mut redis = Self { port, child: None };
        redis.up().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Start the server (again) on the same port, and wait until it answers.
    pub async fn up(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/bootstrap.sh test installs it)");
        self.child = Some(child);
        let client = redis::Client::open(self.url()).expect("a Redis URL");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                let pong: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut conn).await;
                if pong.is_ok() {
                    return;
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "redis-server did not answer");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Close every client's command connection and keep what Redis holds, as an idle timeout
    /// or a proxy's restart does: each node finds its connection gone on its next call.
    pub async fn drop_connections(&self) {
        let client = redis::Client::open(self.url()).expect("a Redis URL");
        let mut conn = client.get_multiplexed_async_connection().await.expect("Redis answers");
        let closed: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("normal")
            .query_async(&mut conn)
            .await
            .expect("CLIENT KILL");
        assert!(closed > 0, "the nodes had connections to close");
    }

    /// Kill the server (SIGKILL): every node loses its connection and what was in flight.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.kill();
    }
}
