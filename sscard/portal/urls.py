from django.urls import path

from sscard.portal import views

app_name = "portal"
urlpatterns = [path("", views.home, name="home"), path("login/", views.home, name="login")]
