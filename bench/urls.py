from django.urls import path

from bench import views

urlpatterns = [path("activity/", views.activity_list)]
