//! Platform accounts: the suspense account (SuspenseAccountChanged, emitted at deployment too), the fee
//! account (FeeAccountChanged) and the holders of OPERATOR_ROLE (RoleGranted / RoleRevoked). Marked on their wallet rows so that readers
//! tell them from users' wallets; re-derived after a reorganisation like compliance.

use emtoken_sdk::{EmTokenEvents as E, Role};
use emtoken_store::{Addr, EventRow, SystemRoleRow};

use super::{Mapper, ZERO, addr};

impl Mapper {
    /// Re-derives the roles of these addresses from scratch (after a reorganisation): they start with
    /// none, and the remaining role events naming them are applied on top.
    pub(crate) fn reset_roles(&mut self, addresses: &[Addr]) {
        for address in addresses {
            self.roles.insert(
                *address,
                SystemRoleRow {
                    address: *address,
                    suspense: Some(false),
                    fee_account: Some(false),
                    operator: Some(false),
                    reset: true,
                },
            );
        }
    }

    /// Applies a role event; false when the event is not one.
    pub(super) fn role_event(&mut self, event: &E, ev: &EventRow) -> bool {
        match event {
            E::SuspenseAccountChanged(e) => {
                let (previous, next) = (addr(e.previousAccount), addr(e.newAccount));
                if previous != ZERO && previous != next {
                    self.role_of(previous, ev).suspense = Some(false);
                }
                self.role_of(next, ev).suspense = Some(true);
            }
            E::FeeAccountChanged(e) => {
                let (previous, next) = (addr(e.previousAccount), addr(e.newAccount));
                if previous != ZERO && previous != next {
                    self.role_of(previous, ev).fee_account = Some(false);
                }
                if next != ZERO {
                    self.role_of(next, ev).fee_account = Some(true);
                }
            }
            E::RoleGranted(e) if e.role == Role::Operator.id() => {
                self.role_of(addr(e.account), ev).operator = Some(true);
            }
            E::RoleRevoked(e) if e.role == Role::Operator.id() => {
                self.role_of(addr(e.account), ev).operator = Some(false);
            }
            _ => return false,
        }
        true
    }

    /// The pending role change of `address` (creating its wallet row if new).
    fn role_of(&mut self, address: Addr, ev: &EventRow) -> &mut SystemRoleRow {
        self.see(address, ev);
        self.roles.entry(address).or_insert_with(|| SystemRoleRow {
            address,
            suspense: None,
            fee_account: None,
            operator: None,
            reset: false,
        })
    }
}
