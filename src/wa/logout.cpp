// Client-initiated logout (PROTOCOL.md §11): tell WhatsApp to remove this companion, and only
// once it confirmed, close the connection for good and wipe the credentials. The order is
// whatsmeow's (client.go Logout): if the request fails, nothing is deleted, so the caller can
// retry instead of leaving a device on the phone that no longer has keys here.
#include <asio/post.hpp>

#include "util/log.hpp"
#include "wa/client.hpp"

namespace wa {

void Client::logout(std::function<void(bool ok, std::string why)> done) {
  asio::post(io_, [self = shared_from_this(), done = std::move(done)]() mutable {
    const bool logged_in = self->conn_ && self->noise_ && self->snapshot().logged_in;
    auto own = Jid::parse(self->device_.jid);
    if (!logged_in || !self->device_.paired() || !own) {
      // Only a logged-in connection can carry remove-companion-device. Not connecting just to
      // say goodbye is a choice: an unpaired device has nothing to unlink, and a paired one that
      // is offline may stay offline (that is often why it is being deleted). The phone then
      // lists the device until the user removes it there or WhatsApp expires it.
      util::log::info("logout_offline", self->tenant_, {{"paired", self->device_.paired()}});
      done(true, self->device_.paired()
                     ? "Not connected: WhatsApp was not told; the phone may still list the device."
                     : "");
      return;
    }
    // §11: <iq xmlns="md" type="set" to=s.whatsapp.net id=…>
    //        <remove-companion-device jid="OWN_PN_USER:DEV@s.whatsapp.net" reason="user_initiated"/>
    //      </iq>   (whatsmeow sends the jid as its own device JID, Baileys as creds.me.id)
    Node iq("iq", {{"xmlns", "md"}, {"type", "set"}, {"to", Jid::server_jid()}},
            NodeList{Node("remove-companion-device",
                          {{"jid", *own}, {"reason", "user_initiated"}})});
    util::log::info("logout_requested", self->tenant_);
    std::weak_ptr<Client> weak = self;
    const uint64_t gen = self->conn_gen_;
    self->send_iq(std::move(iq), self->opt_.logout_timeout_ms,
                  [weak, gen, done = std::move(done)](const Node* reply) {
                    auto c = weak.lock();
                    if (!c) {
                      done(false, "The client went away before WhatsApp answered the logout.");
                      return;
                    }
                    if (!reply) {
                      util::log::warn("logout_unanswered", c->tenant_);
                      done(false, "WhatsApp did not answer the logout request in time.");
                      return;
                    }
                    if (reply->attr("type") != "result") {
                      const Node* e = reply->child("error");
                      const std::string code = e ? e->attr("code") : "";
                      util::log::warn("logout_refused", c->tenant_, {{"code", code}});
                      done(false, "WhatsApp refused the logout request" +
                                      (code.empty() ? std::string(".") : " (code " + code + ")."));
                      return;
                    }
                    if (c->conn_gen_ == gen) c->finish_logout();
                    done(true, "");
                  });
  });
}

// Runs on the io thread, inside the handling of the iq result. After the result the server
// forgets the device and may still send <stream:error code="401"><conflict type="device_removed"/>
// before it closes (the phone-unlink path, §11); whatsmeow disconnects at once and never sees it.
// We do the same, synchronously: the connection is torn down here so that no further frame of it
// is handled (the frame loop in on_message stops when conn_ is gone) and the transport's own
// close report, which comes later, is ignored as stale.
void Client::finish_logout() {
  stopping_ = true;  // no reconnect from here on (schedule_reconnect/start check it)
  reconnect_timer_.cancel();
  // The stored credentials go now, like whatsmeow's Store.Delete: even if the caller then fails
  // to remove the files, no key of the unlinked device survives.
  logged_out("Logged out at the service's request.");
  if (conn_) {
    ++conn_gen_;  // the transport's callbacks for this connection are stale from here on
    on_close("logged out");
  }
  util::log::info("logout_done", tenant_);
}

}  // namespace wa
