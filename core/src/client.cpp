// partnerkit::Client: the public calls. Each starts an operation of client/ (op_base.hpp says how they
// run); the blocking forms wait on a future.
#include "client/op_base.hpp"

#include <boost/asio/use_future.hpp>

namespace partnerkit {
namespace asio = boost::asio;

std::string_view to_string(Reconcile r) noexcept { return r == Reconcile::lookup ? "lookup" : "duplicate"; }

std::optional<Reconcile> reconcile_from_string(std::string_view s) noexcept {
  if (s == "lookup") return Reconcile::lookup;
  if (s == "duplicate") return Reconcile::duplicate;
  return std::nullopt;
}

Client::Client(executor_type executor, std::shared_ptr<const AdapterRegistry> registry,
               std::shared_ptr<Transport> transport, ClientOptions options)
    : state_(std::make_shared<detail::ClientState>(options.single_threaded)) {
  if (!registry) throw std::invalid_argument("partnerkit::Client: null registry");
  if (!transport) throw std::invalid_argument("partnerkit::Client: null transport");
  state_->executor = std::move(executor);
  state_->registry = std::move(registry);
  state_->transport = std::move(transport);
  state_->options = std::move(options);
  state_->seeder.seed(state_->options.jitter_seed ? state_->options.jitter_seed : std::random_device{}());
}

Client::~Client() {
  std::vector<std::shared_ptr<client_detail::OpBase>> ops;
  {
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
    for (auto* op = state_->live; op; op = op->next_live())
      if (auto alive = op->weak_from_this().lock()) ops.push_back(std::move(alive));
  }
  for (auto& op : ops) op->cancel(errc::cancelled);
}

void detail::start_batch_provision(Client& client, std::string vendor, PartnerSpec&& spec,
                                   ProvisionOptions options, std::shared_ptr<ProvisionSink> sink,
                                   std::uint64_t ticket) {
  client_detail::start_provision_op(client.state_, std::move(vendor), std::move(spec), options,
                                    {std::move(sink), ticket});
}

Client::executor_type Client::get_executor() const noexcept { return state_->executor; }
const ClientOptions& Client::options() const noexcept { return state_->options; }
const std::shared_ptr<const AdapterRegistry>& Client::registry() const noexcept { return state_->registry; }

void Client::start_provision(std::string vendor, PartnerSpec&& spec, ProvisionOptions options,
                             provision_handler handler) {
  client_detail::start_provision_op(state_, std::move(vendor), std::move(spec), options, std::move(handler));
}

void Client::start_find(std::string vendor, FindQuery query, find_handler handler) {
  client_detail::start_find_op(state_, std::move(vendor), std::move(query), std::move(handler));
}

void Client::start_get(std::string vendor, std::string partner_id, provision_handler handler) {
  client_detail::start_single_op(state_, std::move(vendor), Operation::get, std::move(partner_id),
                                 PartnerSpec{}, DeactivateOptions{}, std::move(handler));
}

void Client::start_update(std::string vendor, std::string partner_id, PartnerSpec changes,
                          provision_handler handler) {
  client_detail::start_single_op(state_, std::move(vendor), Operation::update, std::move(partner_id),
                                 std::move(changes), DeactivateOptions{}, std::move(handler));
}

void Client::start_deactivate(std::string vendor, std::string partner_id, DeactivateOptions options,
                              provision_handler handler) {
  client_detail::start_single_op(state_, std::move(vendor), Operation::deactivate, std::move(partner_id),
                                 PartnerSpec{}, std::move(options), std::move(handler));
}

std::vector<PacingReport> Client::pacing() const {
  std::vector<PacingReport> out;
  std::lock_guard lock(state_->mutex);
  for (const auto& [key, pacer] : state_->pacers) {
    const int n = !out.empty() && out.back().vendor == key.first ? out.back().key + 1 : 1;
    out.push_back(PacingReport{key.first, n, pacer.status()});
  }
  return out;
}

Result<Partner> Client::provision(std::string vendor, PartnerSpec spec, ProvisionOptions options) {
  return async_provision(std::move(vendor), std::move(spec), options, asio::use_future).get();
}

Result<std::optional<Partner>> Client::find(std::string vendor, FindQuery query) {
  return async_find(std::move(vendor), std::move(query), asio::use_future).get();
}

Result<Partner> Client::get(std::string vendor, std::string partner_id) {
  return async_get(std::move(vendor), std::move(partner_id), asio::use_future).get();
}

Result<Partner> Client::update(std::string vendor, std::string partner_id, PartnerSpec changes) {
  return async_update(std::move(vendor), std::move(partner_id), std::move(changes), asio::use_future).get();
}

Result<Partner> Client::deactivate(std::string vendor, std::string partner_id, DeactivateOptions options) {
  return async_deactivate(std::move(vendor), std::move(partner_id), std::move(options), asio::use_future)
      .get();
}

}  // namespace partnerkit
