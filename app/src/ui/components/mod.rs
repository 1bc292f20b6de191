//! Reusable dashboard components, one per file.

pub mod ack_form;
pub mod action_result;
pub mod candidate_form;
pub mod cluster_recovery_form;
pub mod control_buttons;
pub mod downtime_form;
pub mod end_downtime_form;
pub mod forget_form;
pub mod global_recoveries_form;
pub mod instance_box;
pub mod instance_list;
pub mod instance_panel;
pub mod legend;
pub mod maintenance_form;
pub mod membership_form;
pub mod move_dialog;
pub mod move_form;
pub mod promotion_plan_view;
pub mod recover_form;
pub mod served_by;
pub mod topology_tree;
pub mod transfer_form;
